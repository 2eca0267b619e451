import SPOModel
import SPOWire

/// The current policy of a stage that samples with it (generate, value): the spec's
/// starting model as version 0, replaced by each newer announced version, and the work
/// messages waiting for a version the stage does not hold yet (staleness 0: a message
/// asks for the policy version in its envelope).
final class PolicyHolder {
    /// The policy held.
    private(set) var model: LlamaModel
    /// Its version.
    private(set) var version = 0
    private var waiting: [Message] = []

    /// Holds `model` as version 0.
    init(model: LlamaModel) {
        self.model = model
    }

    /// Loads a received version newer than the one held and logs it. A checkpoint file
    /// that fails to load is logged and retried on the next announcement; streamed bytes
    /// that passed their size and CRC-32 checks but do not load throw (the stage fails and
    /// its restart fetches the version again).
    func receive(_ weights: ReceivedWeights, runtime: StageRuntime) throws {
        guard weights.version > version else { return }
        do {
            model = try weights.loadPolicy(config: model.config)
            version = weights.version
            runtime.log("loaded policy version \(version) (\(weights.origin))")
        } catch {
            if case .streamed = weights { throw error }
            runtime.log("could not load weights version \(weights.version) (will retry on the next announcement): \(error)")
        }
    }

    /// Whether `message` can be served now; if not, keeps it until its version arrives.
    func admit(_ message: Message, runtime: StageRuntime) -> Bool {
        guard message.envelope.policyVersion > version else { return true }
        runtime.log("\(message.envelope.messageID) needs policy version \(message.envelope.policyVersion); holding \(version), waiting for its announcement")
        waiting.append(message)
        return false
    }

    /// The kept messages the held version can now serve, removed from the wait list.
    func ready() -> [Message] {
        guard !waiting.isEmpty else { return [] }
        let ready = waiting.filter { $0.envelope.policyVersion <= version }
        waiting.removeAll { $0.envelope.policyVersion <= version }
        return ready
    }
}
