"""Exit 0 when the PostgreSQL server of the URL given as argv[1] accepts connections."""

import sys

import psycopg
from sqlalchemy.engine import make_url

url = make_url(sys.argv[1]).set(drivername="postgresql", database="postgres")
try:
    psycopg.connect(url.render_as_string(hide_password=False), connect_timeout=3).close()
except psycopg.Error:
    sys.exit(1)
