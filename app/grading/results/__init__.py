"""Results application (结果运用, G9): publication and the results workbook."""
