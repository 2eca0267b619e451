/// Assigns every edge its endpoints (docs/pipeline-spec.md, "Placement and endpoints"):
///
/// - an edge whose participants all run on one host gets
///   `ipc://<run_directory>/sockets/<edge>` (`<edge>.<replica>` when its binder has
///   several replicas);
/// - an edge between hosts gets `tcp://*:<port>` to bind and
///   `tcp://<address of the binder's host>:<port>` to connect, the n-th such endpoint in
///   edge order (prompts, rollouts, segmented, valued, samples, weights, control,
///   metrics; replicas in order) taking port `base_port + n`;
/// - an endpoint the spec sets in the binder's `endpoints` replaces either (a tcp one is
///   bound on every interface at its port);
/// - then every process gets a tap endpoint (`TapEndpoint`): ipc when the whole run is on
///   one host, else the next tcp ports, or its `endpoints.tap`.
///
/// Reports ipc across hosts, ipc paths too long for a Unix socket, ports past 65535, a
/// loopback address that another host would have to reach (hosts that all have loopback
/// addresses are names for one machine, as when a multi-host spec is tried out on one),
/// two endpoints bound at one place, and one edge mixing transports.
struct EndpointLayout {
    let runDirectory: String
    let basePort: Int
    let stages: [PipelineStage: StageSettings]
    let driver: DriverSettings
    let hosts: [String: HostSettings]
    let overrides: [PipelineEdge: [EndpointOverride]]
    /// `endpoints.tap` of the driver and the stages, one per replica.
    let tapOverrides: [EdgeParticipant: [EndpointOverride]]
    /// Where each participant's host is set, and whether the spec wrote it.
    let hostPaths: [EdgeParticipant: (path: JSONPath, written: Bool)]
    let reading: SpecReading

    private func host(of participant: EdgeParticipant) -> String {
        switch participant {
        case .driver: return driver.host
        case .stage(let stage): return stages[stage]?.host ?? SpecResolver.localHost
        }
    }

    private func replicas(of participant: EdgeParticipant) -> Int {
        switch participant {
        case .driver: return 1
        case .stage(let stage): return stages[stage]?.replicas ?? 1
        }
    }

    private func address(of host: String) -> String {
        hosts[host]?.address ?? SpecResolver.localAddress
    }

    /// What assignment has used so far: the next tcp port, the places bound, and which
    /// once-only issues were reported.
    private struct State {
        var nextPort: Int
        var bound: [String: String] = [:]
        var reportedRunDirectory = false
        var reportedPorts = false
        var reportedLoopback = Set<String>()
    }

    func assign() -> (edges: [PipelineEdge: ResolvedEdge], taps: [TapEndpoint]) {
        var state = State(nextPort: basePort)
        let edges = assignEdges(&state)
        return (edges, assignTaps(&state))
    }

    private func assignEdges(_ state: inout State) -> [PipelineEdge: ResolvedEdge] {
        var edges: [PipelineEdge: ResolvedEdge] = [:]
        for edge in PipelineEdge.allCases {
            let participants = edge.producers + edge.consumers
            let edgeHosts = Array(Set(participants.map(host(of:)))).sorted()
            let local = edgeHosts.count == 1
            let binderHost = host(of: edge.binder)
            let count = replicas(of: edge.binder)
            var endpoints: [EdgeEndpoint] = []
            var transports = Set<EdgeTransport>()
            for replica in 0..<count {
                let endpoint: EdgeEndpoint
                let place: String
                let blame: JSONPath
                if let override = overrides[edge]?[replica] {
                    blame = override.path
                    if case .ipc = override.address, !local {
                        reading.report(
                            override.path,
                            expected: "a tcp:// endpoint (edge \(edge.rawValue) joins hosts "
                                + edgeHosts.joined(separator: ", ") + "; ipc reaches one host only)",
                            found: "\(quoted(override.text)) (a string)")
                    }
                    (endpoint, place) = overridden(override, replica: replica, host: binderHost)
                    transports.insert(override.address.transport)
                } else if local {
                    blame = .root.appending("run_directory")
                    let path = "\(runDirectory)/sockets/\(edge.rawValue)" + (count > 1 ? ".\(replica)" : "")
                    checkLength(of: path, &state)
                    endpoint = EdgeEndpoint(replica: replica, host: binderHost, bind: "ipc://\(path)", connect: "ipc://\(path)")
                    place = "ipc \(binderHost) \(path)"
                    transports.insert(.ipc)
                } else {
                    blame = .root.appending("base_port")
                    let port = takePort(&state)
                    let address = address(of: binderHost)
                    if isLoopback(address), !edgeHosts.allSatisfy({ isLoopback(self.address(of: $0)) }),
                       state.reportedLoopback.insert(binderHost).inserted {
                        reportLoopback(host: binderHost, address: address, edge: edge, edgeHosts: edgeHosts)
                    }
                    endpoint = EdgeEndpoint(
                        replica: replica, host: binderHost, bind: "tcp://*:\(port)", connect: "tcp://\(address):\(port)")
                    place = "tcp \(binderHost) \(port)"
                    transports.insert(.tcp)
                }
                claim(place, by: "edge \(edge.rawValue)" + (count > 1 ? " replica \(replica)" : ""),
                      connect: endpoint.connect, blame: blame, &state)
                endpoints.append(endpoint)
            }
            if transports.count > 1, let first = overrides[edge]?.first {
                reading.report(
                    first.path,
                    expected: "endpoints of one transport for every replica of edge \(edge.rawValue)",
                    found: "both ipc and tcp")
            }
            edges[edge] = ResolvedEdge(
                pattern: edge.pattern, producers: edge.producers, consumers: edge.consumers, binder: edge.binder,
                transport: transports.contains(.tcp) ? .tcp : .ipc, endpoints: endpoints)
        }
        return edges
    }

    /// One tap per process, the driver first, then each stage's replicas in stage order:
    /// `ipc://<run_directory>/sockets/tap.<process>` when the whole run is on one host,
    /// else the next tcp ports after the edges' (so a tapper on any machine reaches them),
    /// or the process's `endpoints.tap`.
    private func assignTaps(_ state: inout State) -> [TapEndpoint] {
        let participants = [EdgeParticipant.driver] + PipelineStage.allCases.map { .stage($0) }
        let oneHost = Set(participants.map(host(of:))).count == 1
        var taps: [TapEndpoint] = []
        for participant in participants {
            let processHost = host(of: participant)
            for replica in 0..<replicas(of: participant) {
                let process = TapEndpoint.processName(participant, replica: replica)
                let endpoint: EdgeEndpoint
                let place: String
                let blame: JSONPath
                if let override = tapOverrides[participant]?[replica] {
                    blame = override.path
                    (endpoint, place) = overridden(override, replica: replica, host: processHost)
                } else if oneHost {
                    blame = .root.appending("run_directory")
                    let path = "\(runDirectory)/sockets/tap.\(process)"
                    checkLength(of: path, &state)
                    endpoint = EdgeEndpoint(replica: replica, host: processHost, bind: "ipc://\(path)", connect: "ipc://\(path)")
                    place = "ipc \(processHost) \(path)"
                } else {
                    blame = .root.appending("base_port")
                    let port = takePort(&state)
                    endpoint = EdgeEndpoint(
                        replica: replica, host: processHost, bind: "tcp://*:\(port)",
                        connect: "tcp://\(address(of: processHost)):\(port)")
                    place = "tcp \(processHost) \(port)"
                }
                claim(place, by: "the tap of \(process)", connect: endpoint.connect, blame: blame, &state)
                taps.append(TapEndpoint(
                    participant: participant, replica: replica, host: processHost, bind: endpoint.bind,
                    connect: endpoint.connect))
            }
        }
        return taps
    }

    /// An endpoint the spec wrote: an ipc one bound and connected as written, a tcp one
    /// bound on every interface at its port. Returns it and its place.
    private func overridden(_ override: EndpointOverride, replica: Int, host: String) -> (EdgeEndpoint, String) {
        switch override.address {
        case .ipc(let path):
            return (EdgeEndpoint(replica: replica, host: host, bind: override.text, connect: override.text),
                    "ipc \(host) \(path)")
        case .tcp(_, let port):
            return (EdgeEndpoint(replica: replica, host: host, bind: "tcp://*:\(port)", connect: override.text),
                    "tcp \(host) \(port)")
        }
    }

    /// Reports (once) an ipc path too long for a Unix socket.
    private func checkLength(of path: String, _ state: inout State) {
        guard path.utf8.count > EndpointAddress.maximumIPCPathBytes, !state.reportedRunDirectory else { return }
        state.reportedRunDirectory = true
        reading.report(
            .root.appending("run_directory"),
            expected: "a directory short enough for its ipc socket paths "
                + "(at most \(EndpointAddress.maximumIPCPathBytes) bytes; \(path) has \(path.utf8.count))",
            found: "\(quoted(runDirectory)) (a string)",
            hint: "use a shorter run_directory or set tcp endpoints in the binders' \"endpoints\"")
    }

    /// The next tcp port; reports (once) running past 65535.
    private func takePort(_ state: inout State) -> Int {
        let port = state.nextPort
        state.nextPort += 1
        if port > 65535 && !state.reportedPorts {
            state.reportedPorts = true
            reading.report(
                .root.appending("base_port"), expected: "a base port that leaves room for every tcp endpoint below 65536",
                found: "\(basePort)")
        }
        return port
    }

    /// Records that `owner` binds `place`; reports a second binder of one place.
    private func claim(_ place: String, by owner: String, connect: String, blame: JSONPath, _ state: inout State) {
        if let other = state.bound[place] {
            reading.report(blame, expected: "an endpoint no other edge binds", found: "\(quoted(connect)), also bound by \(other)")
        } else {
            state.bound[place] = owner
        }
    }

    /// A loopback address for a host another host must connect to.
    private func reportLoopback(host: String, address: String, edge: PipelineEdge, edgeHosts: [String]) {
        let expected = "an address other hosts can reach (edge \(edge.rawValue) joins hosts "
            + edgeHosts.joined(separator: ", ") + ")"
        if hosts[host] != nil {
            reading.report(
                JSONPath.root.appending("hosts").appending(host).appending("address"),
                expected: expected, found: "\(quoted(address)) (a loopback address)")
        } else {
            let binderPath = hostPaths[edge.binder]
            reading.report(
                binderPath?.path ?? .root.appending("stages"), expected: expected,
                found: "\(quoted(host))" + (binderPath?.written == true ? " (a string)" : " (the default)")
                    + ", whose address is \(address)",
                hint: "define hosts.\(host).address, or place \(edge.binder) on a named host")
        }
    }
}
