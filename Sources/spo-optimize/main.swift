import SPORuntime

/// `spo-optimize --spec RESOLVED_SPEC.json --replica N`: the optimize stage (see `OptimizeWorker`).
StageMain.run(.optimize) { try OptimizeWorker(runtime: $0) }
