"""A worker's read of blob argv[2] (argv[3] bytes) with the credentials of this process's environment, which the
service refuses: openpal.Error must name the blob, the HTTP status and where the worker's credentials come from."""
import sys

from openpal import _engine

index = _engine.Index.open(sys.argv[1])
try:
    _engine.attribute(index, [sys.argv[2]], blobs={sys.argv[2]: int(sys.argv[3])})
except _engine.Error as e:
    message = str(e)
    print(message)
    sys.exit(0 if "HTTP 403" in message and sys.argv[2] in message and "AZURE_STORAGE_KEY" in message else 1)
print("the read was not refused")
sys.exit(1)
