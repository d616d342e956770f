"""The annual dynamic analysis (年度动态分析/过筛体检, G7): screening, 软弱涣散, improvement
plans."""
