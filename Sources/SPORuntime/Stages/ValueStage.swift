/// Which worker runs the value stage: `CriticValueWorker` for value kind `critic` (PPO),
/// `ValueWorker` for the others.
public enum ValueStage {
    /// The worker for the runtime's spec.
    public static func worker(runtime: StageRuntime) throws -> any StageWorker {
        if runtime.spec.value == .critic { return try CriticValueWorker(runtime: runtime) }
        return try ValueWorker(runtime: runtime)
    }
}
