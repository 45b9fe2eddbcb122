"""The generation pipeline: policy -> prompt -> key -> single flight -> one unit of work.

- :mod:`.pipeline`: what a request becomes (entitlement, the category's rules, the prompt,
  the cache key) and how it is served (the shared image, or get-or-create under single flight).
- :mod:`.keys`: which picture a request is: the cache key.
- :mod:`.work`: one new image: a weekly slot, the provider call under the ledger, the bytes
  stored, the image row and its ledger entries written together.
"""

from .keys import cache_key
from .pipeline import Pipeline
from .work import ImageMaker

__all__ = ["ImageMaker", "Pipeline", "cache_key"]
