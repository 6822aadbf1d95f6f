import os
import sys

os.environ.setdefault("PROJ_DATA", "/usr/share/proj")
sys.path.insert(0, os.path.dirname(__file__))
