from dagster_project.cli.launch import main

main()
