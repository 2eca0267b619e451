import Foundation
import SPOModel
import SPOWire

/// Policy weights by version in the run directory, broadcast as a checkpoint file plus a
/// `weights_announcement` (weights transport `checkpoint_file`, docs/protocol.md §7.6;
/// transport `stream` sends the same files' bytes, `WeightsBroadcast`):
///
///     <run>/weights/v000003/          a ModelCheckpoint directory: config.json,
///                                     model.safetensors, optimizer.safetensors,
///                                     trainer_state.json {"version", "iteration", "step",
///                                     "metrics": the iteration's summary}
///     <run>/weights/v000003/critic/   PPO only: the critic of the same version, a `Critic`
///                                     checkpoint with its `CriticOptimizer` state
///     <run>/weights/latest.json       {"version": 3}, replaced after the directory is complete
///
/// The announcement's `path` is the directory's `model.safetensors`, with its size and
/// CRC-32; a reader checks both before loading. The critic directory is written (renamed
/// into place whole) after the policy's files and before `latest.json` and the
/// announcement, so a version that is announced or restored from has its critic; a
/// critic reader finds it next to the announced file. Versions older than the two newest
/// are deleted as new ones appear.
public struct WeightsStore: Sendable {
    /// `<run>/weights`.
    public let directory: URL
    /// The byte format announced.
    public static let format = "safetensors"

    /// The store of the run directory `runDirectory`.
    public init(runDirectory: URL) {
        directory = runDirectory.appendingPathComponent("weights")
    }

    /// The checkpoint directory of `version`.
    public func versionDirectory(_ version: Int) -> URL {
        directory.appendingPathComponent(String(format: "v%06d", version))
    }

    /// The name of a version's critic subdirectory.
    public static let criticDirectoryName = "critic"

    /// The critic's weights within a version directory, as streamed weights name it
    /// (`weights_announcement.file`): `critic/model.safetensors`.
    public static let criticFile = "\(criticDirectoryName)/\(ModelCheckpoint.weightsFile)"

    /// The critic checkpoint directory of `version`.
    public func criticDirectory(_ version: Int) -> URL {
        versionDirectory(version).appendingPathComponent(Self.criticDirectoryName)
    }

    /// What `latest.json` and a version's `trainer_state.json` record.
    public struct State: Codable, Sendable, Equatable {
        /// The policy version.
        public var version: Int
        /// Iterations completed when it was written.
        public var iteration: Int
        /// Optimizer steps taken (AdamW's step count, the schedule's position).
        public var step: Int
        /// The summary of the iteration that made this version (none for version 0).
        public var metrics: [String: Double]?

        /// Memberwise initialiser.
        public init(version: Int, iteration: Int, step: Int, metrics: [String: Double]? = nil) {
            self.version = version
            self.iteration = iteration
            self.step = step
            self.metrics = metrics
        }
    }

    /// Writes `model` (and `optimizer`'s state) as `state.version`, and `critic` with its
    /// optimizer's state when given, points `latest.json` at it, prunes old versions and
    /// returns the announcement.
    public func save(
        _ model: LlamaModel, optimizer: AdamW?, critic: (critic: Critic, optimizer: CriticOptimizer?)? = nil,
        state: State
    ) throws -> WeightsAnnouncement {
        let target = versionDirectory(state.version)
        let stateData = try JSONEncoder().encode(state)
        try ModelCheckpoint.save(model, optimizer: optimizer, trainerState: stateData, to: target)
        if let critic { try critic.critic.save(to: criticDirectory(state.version), optimizer: critic.optimizer) }
        try AtomicFile.write(stateData, to: directory.appendingPathComponent("latest.json"))
        prune(below: state.version - 1)
        return try announcement(version: state.version)
    }

    /// The announcement of a saved version (size and CRC-32 of its weights file).
    public func announcement(version: Int) throws -> WeightsAnnouncement {
        let file = versionDirectory(version).appendingPathComponent(ModelCheckpoint.weightsFile)
        let data = try Data(contentsOf: file)
        return try WeightsAnnouncement(
            version: version, format: Self.format, source: .file(path: file.relativePath),
            totalBytes: data.count, checksum: WeightsAnnouncement.checksumString(CRC32.checksum(data)))
    }

    /// The newest complete version, if any was saved.
    public func latest() throws -> State? {
        let url = directory.appendingPathComponent("latest.json")
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        return try JSONDecoder().decode(State.self, from: Data(contentsOf: url))
    }

    /// Loads the model an announcement names, after checking the file's size and CRC-32.
    public static func load(_ announcement: WeightsAnnouncement) throws -> LlamaModel {
        guard case .file(let path) = announcement.source else {
            throw RuntimeError("weights version \(announcement.version) are streamed in chunks, not a file: assemble them (WeightsAssembly) and load the bytes (ReceivedWeights.streamed)")
        }
        guard announcement.format == format else {
            throw RuntimeError("weights version \(announcement.version): format \"\(announcement.format)\", expected \"\(format)\"")
        }
        let file = URL(fileURLWithPath: path)
        let data = try Data(contentsOf: file)
        let checksum = WeightsAnnouncement.checksumString(CRC32.checksum(data))
        guard data.count == announcement.totalBytes, checksum == announcement.checksum else {
            throw RuntimeError(
                "weights version \(announcement.version) at \(path): \(data.count) bytes, \(checksum); "
                    + "the announcement says \(announcement.totalBytes) bytes, \(announcement.checksum)")
        }
        return try ModelCheckpoint.loadModel(from: file.deletingLastPathComponent())
    }

    /// Loads the critic saved with the version an announcement names (its `critic/`
    /// directory next to the announced file).
    public static func loadCritic(_ announcement: WeightsAnnouncement) throws -> Critic {
        guard case .file(let path) = announcement.source else {
            throw RuntimeError("weights version \(announcement.version) are streamed in chunks, not a file: the critic comes as its own streamed file, \(criticFile)")
        }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent(criticDirectoryName)
        guard FileManager.default.fileExists(atPath: directory.appendingPathComponent(ModelCheckpoint.weightsFile).path) else {
            throw RuntimeError("weights version \(announcement.version) has no critic at \(directory.path) (value kind critic needs the optimizer to save one)")
        }
        return try Critic.load(from: directory)
    }

    private func prune(below version: Int) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return }
        for name in names where name.hasPrefix("v") {
            if let number = Int(name.dropFirst()), number < version {
                try? FileManager.default.removeItem(at: directory.appendingPathComponent(name))
            }
        }
    }
}
