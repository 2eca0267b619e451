/// Run control and delivery confirmation (type 8, control).
///
/// Wire body: kind (string) and, by kind: "start"; "stop" with reason (string, optional);
/// "iteration" (the envelope's iteration is the one beginning); "heartbeat" (the sender is
/// alive); "ack" with acknowledged_ids (array of ≥ 1 message id strings);
/// "resend_weights" (a reader of streamed weights lacks the chunks of the version in the
/// envelope's policy_version and asks the optimizer to broadcast its newest version again).
public enum Control: Sendable, Equatable, WireBody {
    /// Begin work.
    case start
    /// Finish and exit, with an optional reason for the logs.
    case stop(reason: String?)
    /// The iteration in the envelope begins.
    case iteration
    /// The sender is alive.
    case heartbeat
    /// These messages were received and processed (`ReliableSender` stops re-sending them).
    case ack(messageIDs: [String])
    /// Broadcast the newest streamed weights version again (chunks were lost).
    case resendWeights

    /// The wire `kind`.
    public var kind: String {
        switch self {
        case .start: "start"
        case .stop: "stop"
        case .iteration: "iteration"
        case .heartbeat: "heartbeat"
        case .ack: "ack"
        case .resendWeights: "resend_weights"
        }
    }

    /// An acknowledgement of `messageIDs`, checked non-empty.
    public static func acknowledging(_ messageIDs: [String]) throws(WireValidationError) -> Control {
        guard !messageIDs.isEmpty else {
            throw WireValidationError(field: "acknowledged_ids", problem: "is empty")
        }
        return .ack(messageIDs: messageIDs)
    }

    init(fields: WireFields) throws(WireValidationError) {
        let kind = try fields.string("kind")
        switch kind {
        case "start": self = .start
        case "stop": self = .stop(reason: try fields.optionalString("reason"))
        case "iteration": self = .iteration
        case "heartbeat": self = .heartbeat
        case "ack": self = try .acknowledging(fields.stringArray("acknowledged_ids"))
        case "resend_weights": self = .resendWeights
        default:
            throw WireValidationError(
                field: "kind", problem: "unknown value \"\(kind)\" (known: start, stop, iteration, heartbeat, ack, resend_weights)")
        }
    }

    var wireMap: MessagePackMap {
        var map: MessagePackMap = ["kind": .string(kind)]
        switch self {
        case .stop(let reason?): map["reason"] = .string(reason)
        case .ack(let messageIDs): map["acknowledged_ids"] = .array(messageIDs.map { .string($0) })
        case .start, .stop(nil), .iteration, .heartbeat, .resendWeights: break
        }
        return map
    }
}
