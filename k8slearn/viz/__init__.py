"""Pictures for the lessons (matplotlib), one palette everywhere (:mod:`.style`).

Import the submodules you need (``from k8slearn.viz import graph``); matplotlib is
only imported when a picture is drawn.
"""
