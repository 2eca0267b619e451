/// The body of a message: one case per `MessageType`.
public enum MessageBody: Sendable, Equatable {
    /// Type 1.
    case promptBatch(PromptBatch)
    /// Type 2.
    case rollout(Rollout)
    /// Type 3.
    case segmentedRollout(SegmentedRollout)
    /// Type 4.
    case valuedRollout(ValuedRollout)
    /// Type 5.
    case trainingSample(TrainingSample)
    /// Type 6.
    case weightsAnnouncement(WeightsAnnouncement)
    /// Type 7.
    case weightsChunk(WeightsChunk)
    /// Type 8.
    case control(Control)
    /// Type 9.
    case metrics(Metrics)

    /// The type id this body travels under.
    public var type: MessageType {
        switch self {
        case .promptBatch: .promptBatch
        case .rollout: .rollout
        case .segmentedRollout: .segmentedRollout
        case .valuedRollout: .valuedRollout
        case .trainingSample: .trainingSample
        case .weightsAnnouncement: .weightsAnnouncement
        case .weightsChunk: .weightsChunk
        case .control: .control
        case .metrics: .metrics
        }
    }

    /// The body's wire map.
    var wireMap: MessagePackMap {
        switch self {
        case .promptBatch(let body): body.wireMap
        case .rollout(let body): body.wireMap
        case .segmentedRollout(let body): body.wireMap
        case .valuedRollout(let body): body.wireMap
        case .trainingSample(let body): body.wireMap
        case .weightsAnnouncement(let body): body.wireMap
        case .weightsChunk(let body): body.wireMap
        case .control(let body): body.wireMap
        case .metrics(let body): body.wireMap
        }
    }

    /// Reads a body of `type` from its wire map.
    init(type: MessageType, fields: WireFields) throws(WireValidationError) {
        switch type {
        case .promptBatch: self = .promptBatch(try PromptBatch(fields: fields))
        case .rollout: self = .rollout(try Rollout(fields: fields))
        case .segmentedRollout: self = .segmentedRollout(try SegmentedRollout(fields: fields))
        case .valuedRollout: self = .valuedRollout(try ValuedRollout(fields: fields))
        case .trainingSample: self = .trainingSample(try TrainingSample(fields: fields))
        case .weightsAnnouncement: self = .weightsAnnouncement(try WeightsAnnouncement(fields: fields))
        case .weightsChunk: self = .weightsChunk(try WeightsChunk(fields: fields))
        case .control: self = .control(try Control(fields: fields))
        case .metrics: self = .metrics(try Metrics(fields: fields))
        }
    }
}

/// One protocol message: envelope and body (docs/protocol.md).
public struct Message: Sendable, Equatable {
    /// Run, ids, lineage, producer, iteration, policy version, time.
    public let envelope: Envelope
    /// The typed content.
    public let body: MessageBody

    /// Memberwise initialiser.
    public init(envelope: Envelope, body: MessageBody) {
        self.envelope = envelope
        self.body = body
    }

    /// The body's type.
    public var type: MessageType { body.type }
}
