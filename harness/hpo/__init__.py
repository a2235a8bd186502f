"""HPO sampling orders over a finite pool of evaluated configurations."""
from harness.hpo.orders import METHODS, order_cache, order_pool, sampler

__all__ = ["METHODS", "order_cache", "order_pool", "sampler"]
