"""Process helpers of the running operator: metrics, memory (glibc arenas), thread names and
priority-ordered concurrency. They know nothing of TrainingJobs."""
