"""Request and response models: what the OpenAPI schema documents and what the routes return."""
