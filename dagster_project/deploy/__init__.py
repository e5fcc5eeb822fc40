"""The Docker deployment's Python side: the Dagster instance configuration (local and deployed, from one
place), the concurrency pools, the instance-storage connection rule and the Postgres init script of
docker-compose.yml, rendered from the same specs the local stack provisions (docs/deployment.md)."""
