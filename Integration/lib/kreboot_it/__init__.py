"""kreboot's integration harness: qemu guests (guest.py), their cached images (images.py),
host-side ext4 checks (ext4.py), kreboot in the guest (kreboot_cli.py), the scenarios and the
runner (Integration/run), the benchmark (Integration/bench)."""
