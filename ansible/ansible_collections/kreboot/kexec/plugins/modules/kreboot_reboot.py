#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: kreboot contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: kreboot_reboot
short_description: Reboot a host by kexec through kreboot, wait for it and verify the new boot
version_added: "0.1.0"
description:
  - Works like M(ansible.builtin.reboot), with kreboot's kexec reboot instead of a firmware reboot.
    The work is done by an action plugin on the controller; this file documents it.
  - Records the host's boot id, then starts C(kreboot --yes) with the target options in a transient
    systemd service (C(systemd-run --unit UNIT -p IgnoreOnIsolate=yes)), detached from the SSH
    session, which kreboot's rescue isolate ends. Its output goes to C(/run/UNIT.log).
  - The connection drop is expected. The plugin polls the host until the boot id has changed (the
    reboot happened) or the service has ended in the same boot (kreboot refused; it changed nothing or
    rolled back), or O(reboot_timeout) passed.
  - After a reboot, C(kreboot status --json) must report C(lastReboot.state) C(verified) for a reboot
    from the recorded boot id (unless O(verify=false)).
  - "kreboot's exit codes: 75 (temporary - a busy mount, other sessions, an inhibitor, swap; rolled back)
    is retried after O(retry_delay) seconds, at most O(retries) times, then the task fails with kreboot's
    message. 65 (bad data), 69 (unavailable), 77 (no permission), 64, 1 and 130 fail the task at once with
    kreboot's message. A refusal leaves the host as it was (same boot)."
options:
  kreboot_path:
    description: The kreboot executable on the host.
    type: str
    default: kreboot
  entry:
    description: Boot entry id (C(--entry)); default is the boot loader's default entry.
    type: str
  kernel:
    description: Kernel image to boot instead of an entry (C(--kernel)).
    type: path
  initrds:
    description: Initrds for O(kernel) (C(--initrd), repeated).
    type: list
    elements: path
    default: []
  append:
    description: Parameters appended to the entry's command line (C(--append)).
    type: str
  command_line:
    description: The whole command line (C(--command-line)).
    type: str
  reuse_cmdline:
    description: Boot with the running kernel's command line (C(--reuse-cmdline)).
    type: bool
    default: false
  via:
    description: C(kreboot) quiesces itself; C(systemd) hands over to systemd's kexec.target.
    type: str
    choices: [kreboot, systemd]
    default: kreboot
  ignore_sessions:
    description: Reboot although other users are logged in (C(--ignore-sessions)).
    type: bool
    default: false
  ignore_inhibitors:
    description: Reboot despite logind inhibitor locks (C(--ignore-inhibitors)).
    type: bool
    default: false
  reboot_timeout:
    description: Seconds to wait, per attempt, for the host to come back with a new boot id or for kreboot to end.
    type: int
    default: 600
  connect_timeout:
    description: SSH connection timeout while waiting (the connection plugin's C(connection_timeout)).
    type: int
  retries:
    description: How many times an exit 75 (temporary, rolled back) is retried.
    type: int
    default: 3
  retry_delay:
    description: Seconds between an exit 75 and the next attempt.
    type: float
    default: 30
  unit:
    description: Name of the transient service that runs kreboot.
    type: str
    default: kreboot-ansible
  verify:
    description: Require C(kreboot status --json) to report the reboot verified in the new boot.
    type: bool
    default: true
attributes:
  check_mode:
    support: full
    description: In check mode the plan is returned (as M(kreboot.kexec.kreboot_plan)) and nothing is started.
notes:
  - Needs kreboot, systemd and root on the host (C(become) if you connect as another user).
  - Not for a C(local) connection (it would reboot the controller).
seealso:
  - module: kreboot.kexec.kreboot_plan
  - module: ansible.builtin.reboot
author:
  - kreboot contributors
'''

EXAMPLES = r'''
- name: kexec into the default entry, wait and verify
  kreboot.kexec.kreboot_reboot:

- name: kexec into another entry, retry a busy host twice a minute apart
  kreboot.kexec.kreboot_reboot:
    entry: gnulinux-6.12.117+deb12-cloud-amd64-advanced-0075ce0c-c6ef-41e3-96b7-a47752cf5cdc
    retries: 2
    retry_delay: 60
    reboot_timeout: 300
'''

RETURN = r'''
rebooted:
  description: True when the host came back with a new boot id.
  returned: always
  type: bool
previous_boot_id:
  description: The boot id before the reboot.
  returned: always
  type: str
boot_id:
  description: The boot id after the reboot.
  returned: when rebooted
  type: str
release:
  description: The release the host runs after the reboot (C(uname -r)).
  returned: when rebooted
  type: str
  sample: 6.1.0-57-cloud-amd64
last_reboot:
  description: C(lastReboot) from C(kreboot status --json) in the new boot.
  returned: when rebooted and verify is true
  type: dict
exit_code:
  description: kreboot's exit code when it refused (the last attempt's).
  returned: when kreboot refused
  type: int
  sample: 75
attempts:
  description: One entry per attempt (attempt, exit_code, meaning, output or outcome).
  returned: always
  type: list
  elements: dict
output:
  description: kreboot's output (stdout and stderr) of the last refused attempt.
  returned: when kreboot refused
  type: str
elapsed:
  description: Seconds from the first attempt to the end.
  returned: always
  type: int
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.kreboot.kexec.plugins.module_utils.kreboot import TARGET_ARGUMENT_SPEC


def main():
    argument_spec = dict(
        TARGET_ARGUMENT_SPEC,
        reboot_timeout=dict(type='int', default=600),
        connect_timeout=dict(type='int'),
        retries=dict(type='int', default=3),
        retry_delay=dict(type='float', default=30),
        unit=dict(type='str', default='kreboot-ansible'),
        verify=dict(type='bool', default=True),
    )
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True)
    module.fail_json(msg='kreboot_reboot runs as an action plugin on the controller; this module only documents it')


if __name__ == '__main__':
    main()
