import SPOModel
import SPOWire

/// The current weights of a stage that works with them: the policy (generate, value
/// `monte_carlo`) or the critic (value `critic`, versioned with the policy). Version 0 is
/// what the stage starts with (the spec's starting model; for the critic,
/// `Critic(initializingFrom:)` it, a zero value head, as the optimizer starts it); each
/// newer version received replaces it (`ReceivedWeights`: a checkpoint file beside the
/// announcement, or streamed bytes). Work messages that ask for a newer policy version
/// than the one held wait here (staleness 0: a message asks for the version in its
/// envelope, the one that sampled it).
final class WeightsHolder<Value> {
    /// The weights held.
    private(set) var value: Value
    /// Their version.
    private(set) var version = 0
    private let name: String
    private let load: (ReceivedWeights, Value) throws -> Value
    private var waiting: [Message] = []

    /// Holds `value` as version 0; `load` reads a received version (given the value
    /// held, for its config); `name` ("policy", "critic") is for the log.
    init(_ value: Value, name: String, load: @escaping (ReceivedWeights, Value) throws -> Value) {
        self.value = value
        self.name = name
        self.load = load
    }

    /// Loads a received version newer than the one held and logs it. A checkpoint file
    /// that fails to load is logged and retried on the next announcement; streamed bytes
    /// that passed their size and CRC-32 checks but do not load throw (the stage fails and
    /// its restart fetches the version again).
    func receive(_ weights: ReceivedWeights, runtime: StageRuntime) throws {
        guard weights.version > version else { return }
        do {
            value = try load(weights, value)
            version = weights.version
            runtime.log("loaded \(name) version \(version) (\(weights.origin))")
        } catch {
            if case .streamed = weights { throw error }
            runtime.log("could not load the \(name) of weights version \(weights.version) (will retry on the next announcement): \(error)")
        }
    }

    /// Whether `message` can be served now; if not, keeps it until its version arrives.
    func admit(_ message: Message, runtime: StageRuntime) -> Bool {
        guard message.envelope.policyVersion > version else { return true }
        runtime.log("\(message.envelope.messageID) needs \(name) version \(message.envelope.policyVersion); holding \(version), waiting for its announcement")
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

extension WeightsHolder where Value == LlamaModel {
    /// The policy, starting from `model`.
    static func policy(_ model: LlamaModel) -> WeightsHolder {
        WeightsHolder(model, name: "policy") { weights, held in try weights.loadPolicy(config: held.config) }
    }

    /// The policy held.
    var model: LlamaModel { value }
}

extension WeightsHolder where Value == Critic {
    /// The critic, starting from `critic`.
    static func critic(_ critic: Critic) -> WeightsHolder {
        WeightsHolder(critic, name: "critic") { weights, held in try weights.loadCritic(config: held.model.config) }
    }

    /// The critic held.
    var critic: Critic { value }
}
