"""Extension objects, created unbound; each is initialised in the app factory."""

from flask_babel import Babel
from flask_caching import Cache
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from huey import Huey
from huey.storage import MemoryStorage

from .models.base import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
cache = Cache()
limiter = Limiter(key_func=get_remote_address)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
huey = Huey("agentnfe", storage_class=MemoryStorage, immediate_use_memory=False, utc=True)
"""Task decorators bind to this object at import; its storage is chosen by `agentnfe.queue.init_app`."""
