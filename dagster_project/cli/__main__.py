from dagster_project.cli.main import cli

cli(prog_name="hybrid")
