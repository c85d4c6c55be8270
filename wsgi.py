from coordination import create_app

app = create_app()
