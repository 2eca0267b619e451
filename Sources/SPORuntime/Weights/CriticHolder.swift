import SPOModel
import SPOWire

/// The current critic of the value stage (PPO), versioned with the policy: version 0 is
/// `Critic(initializingFrom:)` the spec's starting policy (a zero value head, as the
/// optimizer starts it), replaced by the critic of each newer weights version received
/// (`ReceivedWeights.loadCritic`: saved beside the announced file, or streamed). Work messages that ask for a newer policy version
/// than the one held wait here (staleness 0: values come from the critic of the version
/// that sampled the rollout, the one whose returns the optimizer will regress on).
final class CriticHolder {
    /// The critic held.
    private(set) var critic: Critic
    /// Its version.
    private(set) var version = 0
    private var waiting: [Message] = []

    /// Holds `critic` as version 0.
    init(critic: Critic) {
        self.critic = critic
    }

    /// Loads the critic of a received version newer than the one held and logs it; a
    /// checkpoint that fails to load is logged and retried on the next announcement,
    /// streamed bytes that fail throw (as `PolicyHolder`).
    func receive(_ weights: ReceivedWeights, runtime: StageRuntime) throws {
        guard weights.version > version else { return }
        do {
            critic = try weights.loadCritic(config: critic.model.config)
            version = weights.version
            runtime.log("loaded critic version \(version) (\(weights.origin))")
        } catch {
            if case .streamed = weights { throw error }
            runtime.log("could not load the critic of weights version \(weights.version) (will retry on the next announcement): \(error)")
        }
    }

    /// Whether `message` can be served now; if not, keeps it until its version arrives.
    func admit(_ message: Message, runtime: StageRuntime) -> Bool {
        guard message.envelope.policyVersion > version else { return true }
        runtime.log("\(message.envelope.messageID) needs critic version \(message.envelope.policyVersion); holding \(version), waiting for its announcement")
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
