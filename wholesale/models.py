"""Every model module, imported once so the metadata (and Alembic) knows all tables."""

from wholesale.accounts import models as accounts
from wholesale.catalog import models as catalog
from wholesale.drafts import models as drafts
from wholesale.inventory import models as inventory
from wholesale.orders import cart_models
from wholesale.orders import models as orders
from wholesale.purchasing import models as purchasing
from wholesale.routes import models as routes
from wholesale.sites import models as sites
from wholesale.standing import models as standing
from wholesale.trading import models as trading

__all__ = ["accounts", "catalog", "cart_models", "drafts", "inventory", "orders", "purchasing",
           "routes", "sites", "standing", "trading"]
