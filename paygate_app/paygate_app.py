"""The Reflex app: pages, our FastAPI routes in front, and the lifespan. Nothing else."""

import reflex as rx

from api.app import build_api
from api.cors import no_reflex_cors
from paygate_app.components.head import head_components
from paygate_app.lifespan import paygate_lifespan
from paygate_app.pages import add_pages

# Reflex's CORS layer reflects any Origin with credentials; api/cors.py is the policy instead.
rx.App._add_cors = staticmethod(no_reflex_cors)
app = rx.App(api_transformer=build_api(), head_components=head_components())
app.register_lifespan_task(paygate_lifespan)
add_pages(app)
