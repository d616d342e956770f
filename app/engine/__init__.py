"""The engine seam: the only package that imports SpiffWorkflow. No Flask, no SQLAlchemy."""
