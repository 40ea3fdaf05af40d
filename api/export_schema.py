"""Print the GraphQL schema in SDL: `python -m api.export_schema > schema.graphql`."""

import os

import django


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "api.settings")
    django.setup()
    from api.schema import schema

    print(schema.as_str())


if __name__ == "__main__":
    main()
