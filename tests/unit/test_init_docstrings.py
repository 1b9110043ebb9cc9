"""``help(svix.Endpoint)`` documents the real arguments: each resource class's ``__init__`` has a docstring of
its own (not pulumi.dynamic.Resource's, which lists ``provider, name, props``) with one ``:param`` per
parameter of its signature, as Pulumi's generated SDKs have."""

import inspect
import pydoc
import re

import pulumi
import pytest

import pulumi_svix as svix

RESOURCES = [svix.Application, svix.Endpoint, svix.EventType, svix.Integration]


@pytest.mark.parametrize("cls", RESOURCES, ids=lambda cls: cls.__name__)
def test_init_documents_each_of_its_parameters(cls):
    doc = cls.__init__.__doc__
    assert doc and doc != pulumi.dynamic.Resource.__init__.__doc__
    documented = re.findall(r"^\s*:param (?:\S+(?:\[.*?\])* )?(\w+):", doc, re.MULTILINE)
    parameters = [name for name in inspect.signature(cls.__init__).parameters if name != "self"]
    assert documented == parameters
    assert cls.__init__.__qualname__ == f"{cls.__name__}.__init__"
    for name in parameters:  # every argument has a description, not just its name
        assert re.search(rf":param [^\n]*\b{name}: \S", doc), name


@pytest.mark.parametrize("cls", RESOURCES, ids=lambda cls: cls.__name__)
def test_help_shows_the_real_arguments_not_the_dynamic_resource_ones(cls):
    text = pydoc.render_doc(cls, renderer=pydoc.plaintext)
    init = text[text.index("__init__(self, resource_name"):]
    init = init[:init.index("\n |  \n |  -----") if "\n |  \n |  -----" in init else len(init)]
    assert ":param pulumi.ResourceOptions opts:" in init
    assert "props" not in init.split("Methods inherited")[0]
