"""ipywidgets dashboards for the lessons, built from plain, unit-tested functions.

ipywidgets is imported only when a widget is built.
"""
