/// The message types of protocol version 1, with their wire ids.
///
/// Ids are assigned once and never reused: a retired type keeps its id forever, and a new
/// type takes the next free number. `name` is also the PUB/SUB topic.
public enum MessageType: Int, Sendable, CaseIterable, CustomStringConvertible {
    /// Prompts for generation.
    case promptBatch = 1
    /// One sampled response with its log-probs and reward.
    case rollout = 2
    /// A rollout cut into segments.
    case segmentedRollout = 3
    /// A segmented rollout with value estimates at its boundaries.
    case valuedRollout = 4
    /// Tokens with per-token advantages for the optimizer.
    case trainingSample = 5
    /// New policy weights exist (file or chunk stream).
    case weightsAnnouncement = 6
    /// One piece of streamed weights.
    case weightsChunk = 7
    /// Start, stop, iteration, heartbeat, ack.
    case control = 8
    /// Named float measurements.
    case metrics = 9

    /// The snake_case name used in docs, logs and as the PUB/SUB topic ("rollout", ...).
    public var name: String {
        switch self {
        case .promptBatch: "prompt_batch"
        case .rollout: "rollout"
        case .segmentedRollout: "segmented_rollout"
        case .valuedRollout: "valued_rollout"
        case .trainingSample: "training_sample"
        case .weightsAnnouncement: "weights_announcement"
        case .weightsChunk: "weights_chunk"
        case .control: "control"
        case .metrics: "metrics"
        }
    }

    /// "<name> (<id>)".
    public var description: String { "\(name) (\(rawValue))" }
}
