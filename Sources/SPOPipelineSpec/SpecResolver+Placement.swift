/// Where the processes of a run go and how they reach each other.
struct Placement {
    let hosts: [String: HostSettings]
    let driver: DriverSettings
    let stages: [PipelineStage: StageSettings]
    let edges: [PipelineEdge: ResolvedEdge]
    let taps: [TapEndpoint]
    let basePort: Int
    let weightsTransport: WeightsTransport
}

/// An endpoint the spec sets for one binder replica, and where the spec says it.
struct EndpointOverride {
    let text: String
    let address: EndpointAddress
    let path: JSONPath
}

/// A ZeroMQ endpoint string taken apart.
enum EndpointAddress: Equatable {
    case ipc(path: String)
    case tcp(host: String, port: Int)

    /// Longest ipc path: a Unix socket path has at most 107 bytes (`sun_path` is 108
    /// with its terminating zero).
    static let maximumIPCPathBytes = 107

    /// `ipc` or `tcp`.
    var transport: EdgeTransport {
        switch self {
        case .ipc: return .ipc
        case .tcp: return .tcp
        }
    }

    static let expected = "an endpoint \"ipc://PATH\" or \"tcp://HOST:PORT\""

    /// Parses `ipc://PATH` (PATH non-empty, at most 107 bytes) or `tcp://HOST:PORT`
    /// (HOST a name, an IPv4 address or a bracketed IPv6 address, not `*`; PORT 1–65535).
    init?(_ text: String) {
        if text.hasPrefix("ipc://") {
            let path = String(text.dropFirst(6))
            guard !path.isEmpty, path.utf8.count <= Self.maximumIPCPathBytes else { return nil }
            self = .ipc(path: path)
        } else if text.hasPrefix("tcp://") {
            let rest = text.dropFirst(6)
            guard let colon = rest.lastIndex(of: ":"), let port = Int(rest[rest.index(after: colon)...]),
                (1...65535).contains(port)
            else { return nil }
            let host = String(rest[..<colon])
            guard isValidAddress(host) else { return nil }
            self = .tcp(host: host, port: port)
        } else {
            return nil
        }
    }
}

/// A host name, IPv4 address or bracketed IPv6 address: non-empty, no spaces, slashes
/// or `*`, and colons only inside brackets.
func isValidAddress(_ address: String) -> Bool {
    guard !address.isEmpty, !address.contains(where: { $0.isWhitespace || $0 == "/" || $0 == "*" }) else {
        return false
    }
    if address.hasPrefix("[") { return address.hasSuffix("]") && address.count > 2 }
    return !address.contains(":") && !address.contains("[") && !address.contains("]")
}

/// Whether other machines cannot reach `address` (127.x.x.x, localhost, [::1]).
func isLoopback(_ address: String) -> Bool {
    address == "localhost" || address.hasPrefix("127.") || address == "[::1]"
}

extension SpecResolver {
    static let stageKeys = ["replicas", "host", "blas_threads", "max_restarts", "command", "endpoints"]
    /// The implicit host every stage runs on unless the spec says otherwise.
    static let localHost = "local"
    static let localAddress = "127.0.0.1"
    static let hostNameRule = "a host name of letters, digits, '.', '_' and '-'"

    func readPlacement(runDirectory: String) -> Placement {
        let hosts = readHosts()
        let hostNames = [Self.localHost] + hosts.keys.sorted().filter { $0 != Self.localHost }

        let stagesObject = root.section("stages")
        var stages: [PipelineStage: StageSettings] = [:]
        var overrides: [PipelineEdge: [EndpointOverride]] = [:]
        var tapOverrides: [EdgeParticipant: [EndpointOverride]] = [:]
        var hostPaths: [EdgeParticipant: (path: JSONPath, written: Bool)] = [:]
        for stage in PipelineStage.allCases {
            let s = stagesObject.section(stage.rawValue)
            let replicas = s.integer("replicas", .positive, default: 1)
            if stage == .optimize && replicas != 1 {
                reading.report(
                    s.path.appending("replicas"), expected: "the integer 1", found: "\(replicas)",
                    hint: "one optimizer holds the policy; replicate generate or value instead")
            }
            let host = readHost(in: s, known: hostNames, default: Self.localHost)
            hostPaths[.stage(stage)] = (s.path.appending("host"), s.contains("host"))
            stages[stage] = StageSettings(
                replicas: replicas, host: host,
                blasThreads: s.integer("blas_threads", .positive, default: 1),
                maxRestarts: s.integer("max_restarts", .nonNegative, default: 3),
                command: readCommand(in: s))
            let written = readEndpointOverrides(in: s, participant: .stage(stage), replicas: replicas)
            overrides.merge(written.edges) { $1 }
            tapOverrides[.stage(stage)] = written.tap
            s.finish(allowed: Self.stageKeys, owner: "stages.\(stage.rawValue)")
        }
        stagesObject.finish(allowed: PipelineStage.allCases.map(\.rawValue), owner: "stages")

        let d = root.section("driver")
        let optimizeHost = stages[.optimize]?.host ?? Self.localHost
        let driver = DriverSettings(host: readHost(in: d, known: hostNames, default: optimizeHost))
        hostPaths[.driver] = (d.path.appending("host"), d.contains("host"))
        let written = readEndpointOverrides(in: d, participant: .driver, replicas: 1)
        overrides.merge(written.edges) { $1 }
        tapOverrides[.driver] = written.tap
        d.finish(allowed: ["host", "endpoints"], owner: "driver")

        let basePort = root.integer("base_port", IntegerRange(1024, 65535), default: 5550)
        let layout = EndpointLayout(
            runDirectory: runDirectory, basePort: basePort, stages: stages, driver: driver, hosts: hosts,
            overrides: overrides, tapOverrides: tapOverrides, hostPaths: hostPaths, reading: reading)
        let (edges, taps) = layout.assign()

        let weightHosts = Set([PipelineStage.generate, .value, .optimize].map { stages[$0]?.host })
        let weightsTransport = root.choice(
            "weights_transport", default: weightHosts.count == 1 ? WeightsTransport.checkpointFile : .stream)

        var usedHosts = hosts
        let placed = Set(stages.values.map(\.host) + [driver.host])
        if placed.contains(Self.localHost) && usedHosts[Self.localHost] == nil {
            usedHosts[Self.localHost] = HostSettings(address: Self.localAddress)
        }
        return Placement(
            hosts: usedHosts, driver: driver, stages: stages, edges: edges, taps: taps, basePort: basePort,
            weightsTransport: weightsTransport)
    }

    /// `command` of a stage: the program, then its arguments, all non-empty strings.
    private func readCommand(in stage: ObjectReader) -> [String]? {
        guard let node = stage.node("command") else { return nil }
        let path = stage.path.appending("command")
        guard case .array(let elements) = node, !elements.isEmpty else {
            reading.report(
                path, expected: "a non-empty array of strings: the program, then its arguments", found: node,
                hint: "e.g. [\"python3\", \"stages/advantage.py\"]; the driver appends --spec RESOLVED --replica N")
            return nil
        }
        var words: [String] = []
        for (index, element) in elements.enumerated() {
            guard case .string(let word) = element, !word.isEmpty else {
                reading.report(path.appending(index: index), expected: "a non-empty string", found: element)
                continue
            }
            words.append(word)
        }
        return words.count == elements.count ? words : nil
    }

    /// `hosts`: `{name: {"address": …}}`.
    private func readHosts() -> [String: HostSettings] {
        guard let node = root.node("hosts") else { return [:] }
        guard let h = ObjectReader(node, at: .root.appending("hosts"), reading: reading,
                                   expected: "an object of host names to {\"address\": …}") else { return [:] }
        var hosts: [String: HostSettings] = [:]
        for member in h.members where hosts[member.key] == nil {
            let hostPath = h.path.appending(member.key)
            guard isHostName(member.key) else {
                reading.report(hostPath, expected: Self.hostNameRule, found: "the key \(quoted(member.key))")
                continue
            }
            guard let host = ObjectReader(member.value, at: hostPath, reading: reading,
                                          expected: "an object {\"address\": …}") else { continue }
            let what = "a host name or IP address other hosts reach it at (IPv6 in brackets)"
            if let address = host.requiredString("address", what: what) {
                if isValidAddress(address) {
                    hosts[member.key] = HostSettings(address: address)
                } else {
                    reading.report(hostPath.appending("address"), expected: what, found: "\(quoted(address)) (a string)")
                }
            }
            host.finish(allowed: ["address"], owner: "a host")
        }
        h.finish(allowed: h.members.map(\.key), owner: "hosts")
        return hosts
    }

    private func isHostName(_ name: String) -> Bool {
        !name.isEmpty && name.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar)
                || scalar == "." || scalar == "_" || scalar == "-")
        }
    }

    /// `host` of a stage or the driver: a defined host or `local`.
    private func readHost(in object: ObjectReader, known: [String], default fallback: String) -> String {
        guard let node = object.node("host") else { return fallback }
        let path = object.path.appending("host")
        guard let name = reading.string(node, at: path, what: "a host name") else { return fallback }
        guard known.contains(name) else {
            reading.report(
                path, expected: "a host defined in hosts (" + known.map(quoted).joined(separator: ", ") + ")",
                found: "\(quoted(name)) (a string)",
                hint: Suggestion.hint(for: name, in: known) ?? "add it to \"hosts\" with its address")
            return fallback
        }
        return name
    }

    /// `endpoints` of the driver or a stage: `{edge: "ipc://…" | "tcp://host:port"}` for
    /// the edges it binds, and `tap` for its tap; an array with one endpoint per replica
    /// where it has several.
    private func readEndpointOverrides(
        in object: ObjectReader, participant: EdgeParticipant, replicas: Int
    ) -> (edges: [PipelineEdge: [EndpointOverride]], tap: [EndpointOverride]?) {
        guard let node = object.node("endpoints") else { return ([:], nil) }
        let path = object.path.appending("endpoints")
        let bound = PipelineEdge.allCases.filter { $0.binder == participant }
        let expected = "an object of edge names (or \"tap\") to endpoints"
        guard let e = ObjectReader(node, at: path, reading: reading, expected: expected) else {
            return ([:], nil)
        }
        var edges: [PipelineEdge: [EndpointOverride]] = [:]
        var tap: [EndpointOverride]?
        for key in bound.map(\.rawValue) + ["tap"] {
            guard let value = e.node(key) else { continue }
            let parsed = readEndpoints(value, at: path.appending(key), participant: participant, replicas: replicas)
            if let edge = PipelineEdge(rawValue: key) { edges[edge] = parsed } else { tap = parsed }
        }
        let binds = bound.isEmpty
            ? "\(participant) binds no edge, only its tap"
            : "\(participant) binds " + bound.map(\.rawValue).joined(separator: ", ") + " and its tap"
        e.finish(allowed: bound.map(\.rawValue) + ["tap"], owner: "the endpoints of \(participant) (\(binds))") { key in
            PipelineEdge(rawValue: key).map { "edge \($0.rawValue) is bound by \($0.binder): " + Self.binderLocations([$0]) }
        }
        return (edges, tap)
    }

    /// One endpoint (one replica) or an array of one per replica; nil unless all parse.
    private func readEndpoints(
        _ value: JSONNode, at keyPath: JSONPath, participant: EdgeParticipant, replicas: Int
    ) -> [EndpointOverride]? {
        let many = "an array of \(replicas) endpoints, one per replica of \(participant)"
        var texts: [(String, JSONPath)] = []
        switch value {
        case .string(let text) where replicas == 1:
            texts = [(text, keyPath)]
        case .array(let elements) where elements.count == replicas:
            for (index, element) in elements.enumerated() {
                let elementPath = keyPath.appending(index: index)
                guard case .string(let text) = element else {
                    reading.report(elementPath, expected: EndpointAddress.expected, found: element)
                    continue
                }
                texts.append((text, elementPath))
            }
        default:
            reading.report(keyPath, expected: replicas == 1 ? EndpointAddress.expected : many, found: value)
            return nil
        }
        var parsed: [EndpointOverride] = []
        for (text, textPath) in texts {
            guard let address = EndpointAddress(text) else {
                reading.report(textPath, expected: EndpointAddress.expected, found: "\(quoted(text)) (a string)",
                               hint: "tcp needs a host others connect to (not *) and a port 1–65535; "
                                   + "an ipc path has at most \(EndpointAddress.maximumIPCPathBytes) bytes")
                continue
            }
            parsed.append(EndpointOverride(text: text, address: address, path: textPath))
        }
        return parsed.count == replicas ? parsed : nil
    }

    /// Where the spec sets the endpoints of `edges`: `stages.partition.endpoints.rollouts`, ….
    static func binderLocations(_ edges: [PipelineEdge]) -> String {
        edges.map { edge in
            switch edge.binder {
            case .driver: return "driver.endpoints.\(edge.rawValue)"
            case .stage(let stage): return "stages.\(stage.rawValue).endpoints.\(edge.rawValue)"
            }
        }.joined(separator: ", ")
    }
}
