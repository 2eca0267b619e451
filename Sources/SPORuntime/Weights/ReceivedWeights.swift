import Foundation
import SPOModel
import SPOWire

/// A complete weights version as it reaches a stage that reads weights (generate, and
/// value when it needs the policy or the critic), by either transport.
public enum ReceivedWeights: Sendable {
    /// Transport `checkpoint_file`: the announcement of the policy's `model.safetensors`
    /// in a checkpoint directory this host can read (same host or shared disk); a
    /// critic is in the `critic/` directory beside it.
    case file(WeightsAnnouncement)
    /// Transport `stream`: the size- and CRC-checked bytes of one file of the version,
    /// reassembled from its chunks (`WeightsAssembly`); nothing is read from disk.
    case streamed(version: Int, file: String, bytes: Data)

    /// The policy version.
    public var version: Int {
        switch self {
        case .file(let announcement): announcement.version
        case .streamed(let version, _, _): version
        }
    }

    /// For the logs: "checkpoint file PATH" or "streamed, N bytes".
    public var origin: String {
        switch self {
        case .file(let announcement):
            if case .file(let path) = announcement.source { return "checkpoint file \(path)" }
            return "announcement"
        case .streamed(_, let file, let bytes): return "streamed \(file), \(bytes.count) bytes"
        }
    }

    /// The policy of this version; `config` is the run's model config (every version
    /// has it), used for streamed bytes.
    public func loadPolicy(config: LlamaConfig) throws -> LlamaModel {
        switch self {
        case .file(let announcement):
            return try WeightsStore.load(announcement)
        case .streamed(let version, let file, let bytes):
            guard file == WeightsAnnouncement.policyFile else {
                throw RuntimeError("streamed weights version \(version): \(file) is not the policy's \(WeightsAnnouncement.policyFile)")
            }
            return try ModelCheckpoint.loadModel(config: config, safetensors: bytes, label: "streamed weights version \(version) (\(file))")
        }
    }

    /// The critic of this version (value kind critic).
    public func loadCritic(config: LlamaConfig) throws -> Critic {
        switch self {
        case .file(let announcement):
            return try WeightsStore.loadCritic(announcement)
        case .streamed(let version, let file, let bytes):
            guard file == WeightsStore.criticFile else {
                throw RuntimeError("streamed weights version \(version): \(file) is not the critic's \(WeightsStore.criticFile)")
            }
            return try Critic.load(config: config, safetensors: bytes, label: "streamed weights version \(version) (\(file))")
        }
    }
}
