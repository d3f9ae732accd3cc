"""Per-op time of a traced TensorFlow run, read from the profiler's xplane file.

``profile_ops(fn, steps)`` runs ``fn`` under ``tf.profiler`` and returns a list
of ``(op_type, total_ms, count)`` summed over all host threads, so that one can
see where a training step's time goes without TensorBoard.
"""

from __future__ import annotations

import collections
import glob
import os
import tempfile

import tensorflow as tf
from tensorflow.tsl.profiler.protobuf import xplane_pb2


def profile_ops(fn, calls=1):
    logdir = tempfile.mkdtemp(prefix="cnnlesson-prof-")
    tf.profiler.experimental.start(logdir)
    for _ in range(calls):
        fn()
    tf.profiler.experimental.stop()
    path = glob.glob(os.path.join(logdir, "**", "*.xplane.pb"), recursive=True)[0]
    space = xplane_pb2.XSpace()
    with open(path, "rb") as fh:
        space.ParseFromString(fh.read())
    totals = collections.defaultdict(float)
    counts = collections.Counter()
    for plane in space.planes:
        if not plane.name.startswith("/host:CPU"):
            continue
        meta = plane.event_metadata
        for line in plane.lines:
            if "tf_Compute" not in line.name and "tf_data" not in line.name \
                    and "Thread" not in line.name:
                pass
            for ev in line.events:
                name = meta[ev.metadata_id].name
                # op events are named "name:Type"; keep the type
                op = name.rsplit(":", 1)[-1] if ":" in name else name
                totals[(line.name[:24], op)] += ev.duration_ps / 1e9
                counts[(line.name[:24], op)] += 1
    rows = sorted(((k, v, counts[k]) for k, v in totals.items()), key=lambda r: -r[1])
    return rows
