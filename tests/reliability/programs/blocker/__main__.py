"""One dynamic resource whose create announces itself in a file and then blocks for ten minutes.

While it blocks, every process of the run is alive: the CLI, the language host, this program (waiting
for the create's outputs) and the dynamic-provider launcher with its python. The orphan tests kill the CLI
at that moment and watch what remains. The marker path comes from stack config `svix-blocker:marker`.
"""

import pulumi
from pulumi.dynamic import CreateResult, Resource, ResourceProvider


class BlockingProvider(ResourceProvider):
    def create(self, props):
        import os
        import time
        from pathlib import Path

        # The provider process's pid lets the test see that the provider it watches is this run's.
        Path(props["marker"]).write_text(str(os.getpid()))
        time.sleep(600)
        return CreateResult("never-reached", props)


class Blocker(Resource):
    def __init__(self, name: str, marker: str):
        super().__init__(BlockingProvider(), name, {"marker": marker})


Blocker("blocker", marker=pulumi.Config().require("marker"))
