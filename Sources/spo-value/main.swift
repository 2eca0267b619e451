import SPORuntime

/// `spo-value --spec RESOLVED_SPEC.json --replica N`: the value stage (see `ValueStage`).
StageMain.run(.value, makeWorker: ValueStage.worker)
