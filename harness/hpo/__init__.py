"""HPO sampling orders over a finite pool of evaluated configurations."""
from harness.hpo.orders import METHODS, approximation, order_cache, order_pool, sampler

__all__ = ["METHODS", "approximation", "order_cache", "order_pool", "sampler"]
