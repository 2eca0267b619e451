import Foundation

/// The fields every message carries besides its body (docs/protocol.md, "Envelope").
///
/// Wire keys: run_id, message_id, parent_ids, stage, replica, iteration, policy_version,
/// created_at (plus protocol, version and type, written by `MessageCodec`).
public struct Envelope: Sendable, Equatable {
    /// The training run this message belongs to.
    public let runID: String
    /// Unique within the run; acks and lineage refer to it (see `MessageIDGenerator`).
    public let messageID: String
    /// The messages this one was made from (a rollout's prompt batch, ...), for lineage.
    public let parentIDs: [String]
    /// The producing stage's name ("generate", "optimize", ...).
    public let stage: String
    /// The producing replica's index within its stage, from 0.
    public let replica: Int
    /// The training iteration this message belongs to, from 0.
    public let iteration: Int
    /// The policy weights version the producer held (for a rollout: the one that sampled it).
    public let policyVersion: Int
    /// When the message was made: seconds since the Unix epoch.
    public let createdAt: Double

    /// Checks ids and stage are non-empty, counters non-negative and the time finite.
    public init(
        runID: String, messageID: String, parentIDs: [String] = [], stage: String, replica: Int,
        iteration: Int, policyVersion: Int, createdAt: Double = Date().timeIntervalSince1970
    ) throws(WireValidationError) {
        try WireCheck.nonEmpty(runID, "run_id")
        try WireCheck.nonEmpty(messageID, "message_id")
        try WireCheck.nonEmpty(stage, "stage")
        try WireCheck.nonNegative(replica, "replica")
        try WireCheck.nonNegative(iteration, "iteration")
        try WireCheck.nonNegative(policyVersion, "policy_version")
        try WireCheck.finite(createdAt, "created_at")
        self.runID = runID
        self.messageID = messageID
        self.parentIDs = parentIDs
        self.stage = stage
        self.replica = replica
        self.iteration = iteration
        self.policyVersion = policyVersion
        self.createdAt = createdAt
    }
}

extension Envelope {
    /// Reads the envelope keys of a message map.
    init(fields: WireFields) throws(WireValidationError) {
        try self.init(
            runID: fields.string("run_id"), messageID: fields.string("message_id"),
            parentIDs: fields.stringArray("parent_ids"), stage: fields.string("stage"),
            replica: fields.int("replica"), iteration: fields.int("iteration"),
            policyVersion: fields.int("policy_version"), createdAt: fields.double("created_at"))
    }

    /// Appends the envelope keys to `map`, in protocol order.
    func write(into map: inout MessagePackMap) {
        map["run_id"] = .string(runID)
        map["message_id"] = .string(messageID)
        map["parent_ids"] = .array(parentIDs.map { .string($0) })
        map["stage"] = .string(stage)
        map["replica"] = .int(Int64(replica))
        map["iteration"] = .int(Int64(iteration))
        map["policy_version"] = .int(Int64(policyVersion))
        map["created_at"] = .float(createdAt)
    }
}
