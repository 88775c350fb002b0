from django_tasks import task

from . import services


@task()
def update_index_for_object(app_label: str, model_name: str, pk: str) -> str:
    return services.update_object(app_label, model_name, pk)


@task()
def update_index_for_dependents(app_label: str, model_name: str, pk: str) -> int:
    return services.update_dependents(app_label, model_name, pk)


@task()
def update_index_for_page_tree(page_pk: int) -> int:
    """A page moved or its privacy changed: every registered page under it (itself included) has a
    new URL or audience."""
    from wagtail.models import Page

    page = Page.objects.filter(pk=page_pk).first()
    if page is None:
        return 0
    updated = 0
    for descendant in Page.objects.descendant_of(page, inclusive=True).specific().iterator():
        meta = type(descendant)._meta
        if services._document_type_for(type(descendant)) is not None:
            services.update_object(meta.app_label, meta.model_name, descendant.pk)
            updated += 1
    return updated
