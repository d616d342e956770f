"""Annual grading targets (年度创建目标, G1): the company's, each unit's and each branch's."""
