import SPORuntime

/// `spo-partition --spec RESOLVED_SPEC.json --replica N`: the partition stage (see `PartitionWorker`).
StageMain.run(.partition) { try PartitionWorker(runtime: $0) }
