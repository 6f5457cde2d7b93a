// swift-tools-version:6.1
import PackageDescription

// Modules, bottom up; no module imports one above it (README "Architecture" gives each edge and why):
//   LinuxSystem → KexecCore, Quiesce → RebootPlan → Kdump → Execution → kreboot
let package = Package(
    name: "kreboot",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "kreboot", targets: ["kreboot"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
    ],
    targets: [
        // System libraries: a module map and a one-line header each.
        .systemLibrary(name: "CMount", pkgConfig: "mount", providers: [.apt(["libmount-dev"])]),
        .systemLibrary(name: "CSystemd", pkgConfig: "libsystemd", providers: [.apt(["libsystemd-dev"])]),
        .systemLibrary(name: "CElf", pkgConfig: "libelf", providers: [.apt(["libelf-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // Every raw syscall Swift cannot call directly (syscall(2) is variadic).
        .target(name: "CLinuxSyscalls"),

        // The system layer: files under a root, bytes, the mount table, libelf, kernel state, processes, syscalls.
        .target(
            name: "LinuxSystem",
            dependencies: ["CMount", "CElf", "CLinuxSyscalls", .product(name: "SystemPackage", package: "swift-system")]
        ),
        // Kernel images: inspection, load, unload, exec.
        .target(
            name: "KexecCore",
            dependencies: ["LinuxSystem", "CZlib", .product(name: "SystemPackage", package: "swift-system")]
        ),
        // Services (sd-bus) and mounts (libmount).
        .target(
            name: "Quiesce",
            dependencies: ["LinuxSystem", "CMount", "CSystemd", .product(name: "SystemPackage", package: "swift-system")]
        ),
        // The snapshot readers and the pure planner.
        .target(
            name: "RebootPlan",
            dependencies: ["LinuxSystem", "KexecCore", .product(name: "SystemPackage", package: "swift-system")]
        ),
        // Calibrate, capture (save-dump), dumps, vmcore inspection.
        .target(
            name: "Kdump",
            dependencies: ["LinuxSystem", "KexecCore", "RebootPlan", .product(name: "SystemPackage", package: "swift-system")]
        ),
        // Running a plan: refusal, confirmation, records, signals, the executor and its rollback.
        .target(
            name: "Execution",
            dependencies: ["LinuxSystem", "KexecCore", "Quiesce", "RebootPlan", "Kdump",
                           .product(name: "SystemPackage", package: "swift-system")]
        ),
        // The CLI: parse → call → render.
        .executableTarget(
            name: "kreboot",
            dependencies: [
                "LinuxSystem", "KexecCore", "Quiesce", "RebootPlan", "Kdump", "Execution",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Benchmarks (not tests): `swift run -c release kreboot-plan-bench`.
        .executableTarget(name: "kreboot-plan-bench", dependencies: ["RebootPlan", "KexecCore", "LinuxSystem"], path: "Benchmarks/PlanBench"),
        // Fuzzing (not shipped; debug builds, it uses @testable): `make fuzz`, a deterministic mutation driver.
        .executableTarget(name: "kreboot-fuzz", dependencies: ["RebootPlan", "KexecCore", "LinuxSystem", "Kdump"], path: "Fuzz/Driver"),
        // The same targets under libFuzzer (`make fuzz-libfuzzer`: -sanitize=fuzzer, its own build directory).
        .executableTarget(name: "kreboot-libfuzzer", dependencies: ["RebootPlan", "KexecCore", "LinuxSystem", "Kdump"], path: "Fuzz/LibFuzzer"),
        // Fakes of every side-effect protocol, for unit tests only (never linked into kreboot).
        .target(
            name: "KrebootTestSupport",
            dependencies: ["LinuxSystem", "KexecCore", "Quiesce", "RebootPlan", "Execution",
                           .product(name: "SystemPackage", package: "swift-system")],
            path: "Tests/Support"
        ),
        .testTarget(name: "LinuxSystemTests", dependencies: ["LinuxSystem"]),
        .testTarget(name: "RebootPlanTests", dependencies: ["RebootPlan", "LinuxSystem", "KexecCore"], resources: [.copy("Fixtures")]),
        .testTarget(name: "KexecCoreTests", dependencies: ["KexecCore", "LinuxSystem", "KrebootTestSupport"]),
        .testTarget(name: "QuiesceTests", dependencies: ["Quiesce", "LinuxSystem", "KrebootTestSupport"]),
        .testTarget(name: "KdumpTests", dependencies: ["Kdump", "KexecCore", "RebootPlan", "LinuxSystem", "KrebootTestSupport"]),
        .testTarget(name: "ExecutionTests", dependencies: ["Execution", "Quiesce", "KexecCore", "RebootPlan", "LinuxSystem", "KrebootTestSupport"]),
        .testTarget(name: "KrebootCLITests", dependencies: ["kreboot"]),
    ],
    swiftLanguageModes: [.v6]
)
