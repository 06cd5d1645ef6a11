import Foundation
import Testing

@testable import DockerEngine

@Suite("Docker stream framing")
struct DockerStreamFramingTests {
  @Test func demuxerReassemblesFramesSplitAcrossChunks() {
    var demuxer = DockerLogDemuxer()
    let frame1: [UInt8] = [1, 0, 0, 0, 0, 0, 0, 3] + Array("ab\n".utf8)
    let frame2: [UInt8] = [2, 0, 0, 0, 0, 0, 0, 2] + Array("e\n".utf8)
    let all = frame1 + frame2
    #expect(demuxer.push(Data(all[0..<5])).isEmpty)
    #expect(demuxer.push(Data(all[5..<12])) == [DockerLogFrame(stream: .stdout, payload: Data("ab\n".utf8))])
    #expect(demuxer.push(Data(all[12...])) == [DockerLogFrame(stream: .stderr, payload: Data("e\n".utf8))])
  }

  @Test func lineSplitterKeepsPartialLines() {
    var splitter = DockerLineSplitter()
    #expect(splitter.push(Data("{\"a\":1}\n{\"b\"".utf8)) == [Data("{\"a\":1}".utf8)])
    #expect(splitter.push(Data(":2}\n\n{\"c\":3}".utf8)) == [Data("{\"b\":2}".utf8)])
    #expect(splitter.finish() == Data("{\"c\":3}".utf8))
  }

  /// One key style: the models' `CodingKeys` spell the Engine's keys, including its irregular ones.
  @Test func engineKeysMapToSwiftKeys() throws {
    let summary = try DockerJSON.decoder.decode(
      DockerContainerSummary.self,
      from: Data(#"{"Id":"c1","Names":["/web"],"Image":"busybox","ImageID":"sha256:i","State":"running","Status":"Up","Created":1}"#.utf8))
    #expect(summary.id == "c1")
    #expect(summary.imageID == "sha256:i")
    let event = try DockerJSON.decoder.decode(
      DockerEvent.self, from: Data(#"{"Type":"container","Action":"die","Actor":{"ID":"c1"},"timeNano":7}"#.utf8))
    #expect(event.actor.id == "c1")
    #expect(event.timeNano == 7)
    let state = try DockerJSON.decoder.decode(
      DockerContainerInspect.State.self,
      from: Data(#"{"Status":"exited","Running":false,"Paused":false,"Restarting":false,"OOMKilled":true,"Dead":false,"Pid":0,"ExitCode":137}"#.utf8))
    #expect(state.oomKilled)
    let endpoint = try DockerJSON.decoder.decode(DockerContainerInspect.Endpoint.self, from: Data(#"{"IPAddress":"10.0.0.2"}"#.utf8))
    #expect(endpoint.ipAddress == "10.0.0.2")
    var create = DockerContainerCreate(image: "busybox")
    create.hostConfig.init_ = true
    let body = String(decoding: try DockerJSON.encode(create), as: UTF8.self)
    #expect(body == #"{"HostConfig":{"Init":true},"Image":"busybox"}"#)
  }
}

/// A request's name in error texts: its method and unversioned path.
@Suite struct DockerRequestCallTests {
  @Test func theVersionPrefixIsDropped() {
    let cases = [
      "/v1.43/containers/x/json": "GET /containers/x/json", "/v1.41/version": "GET /version", "/containers/json": "GET /containers/json",
      "/version": "GET /version", "/vx.1/containers": "GET /vx.1/containers", "/v/containers": "GET /v/containers",
      "/volumes/v1.2/x": "GET /volumes/v1.2/x",
    ]
    for (path, call) in cases { #expect(DockerHTTPRequest(method: "GET", path: path).call == call, "\(path)") }
  }
}
