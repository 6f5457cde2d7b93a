import Testing
@testable import kreboot

@Suite struct InitArgumentsTests {
    let names = ["save-dump", "status", "entries"]

    @Test func asPID1TheKernelsLeftoverParametersAreDropped() {
        #expect(InitArguments.clean(["nokaslr", "quiet", "save-dump", "--mount", "/dev/nvme0n2"], isPID1: true, subcommands: names)
                == ["save-dump", "--mount", "/dev/nvme0n2"])
    }

    @Test func otherwiseArgumentsAreUnchanged() {
        #expect(InitArguments.clean(["nokaslr", "save-dump"], isPID1: false, subcommands: names) == ["nokaslr", "save-dump"])
        #expect(InitArguments.clean(["--dry-run"], isPID1: true, subcommands: names) == ["--dry-run"])
    }
}
