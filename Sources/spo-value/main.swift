import SPORuntime

/// `spo-value --spec RESOLVED_SPEC.json --replica N`: the value stage (see `ValueWorker`).
StageMain.run(.value) { try ValueWorker(runtime: $0) }
