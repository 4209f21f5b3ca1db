# The version must equal budgetkernel.__version__.
metadata(
    version="0.1.0",
    description="Deterministic budget-accounting kernel: declare limits, charge them, get continue, warn or exhausted.",
)

module("budgetkernel.py")
