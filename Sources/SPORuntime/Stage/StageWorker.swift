import SPOWire

/// A stage's own logic, driven by `StageRuntime`'s loop: what it does with each new work
/// message, with new weights, and between messages. Methods run on the loop's thread.
public protocol StageWorker: AnyObject {
    /// Handles a new work message from the input queue. The input stays open (its
    /// producer keeps it) until the worker calls `runtime.finish(_:)` with its id and
    /// every output emitted from it is acknowledged downstream.
    func process(_ message: Message, runtime: StageRuntime) throws

    /// Handles a complete weights version (stages that read the weights edge): an
    /// announced checkpoint file, or streamed bytes the runtime reassembled and checked.
    func receiveWeights(_ weights: ReceivedWeights, runtime: StageRuntime) throws

    /// Called on every turn of the loop, after pending messages: deferred work, periodic
    /// broadcasts.
    func idle(runtime: StageRuntime) throws
}

extension StageWorker {
    /// Ignores weights.
    public func receiveWeights(_ weights: ReceivedWeights, runtime: StageRuntime) throws {}

    /// Does nothing.
    public func idle(runtime: StageRuntime) throws {}
}
