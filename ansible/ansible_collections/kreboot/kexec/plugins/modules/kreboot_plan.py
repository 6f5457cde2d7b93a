#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: kreboot contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: kreboot_plan
short_description: What a kreboot kexec reboot of the host would do (its plan, as facts)
version_added: "0.1.0"
description:
  - Runs C(kreboot --dry-run --json) on the host with the given target options and returns the plan
    as facts, under C(ansible_facts.kreboot_plan) and at the top level of the result. Nothing on the
    host is changed.
  - The plan is validated against kreboot's published schema (C(schema/plan-v1.schema.json),
    C(schemaVersion) 1); a plan that does not match (a newer contract, a step action this collection
    does not know) fails the task, so fleet tooling breaks loudly instead of guessing.
  - A plan with a failing check is not a failure of this module; C(would_proceed) is false and
    C(failing_checks) says why (set O(fail_on_refusal) to fail the task instead).
options:
  kreboot_path:
    description: The kreboot executable on the host.
    type: str
    default: kreboot
  entry:
    description: Boot entry id to plan for (C(--entry)); default is the boot loader's default entry.
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
    description: Quiesce strategy, C(kreboot) (its own) or C(systemd) (hand over to kexec.target).
    type: str
    choices: [kreboot, systemd]
    default: kreboot
  ignore_sessions:
    description: Plan to proceed although other users are logged in (C(--ignore-sessions)).
    type: bool
    default: false
  ignore_inhibitors:
    description: Plan to proceed despite logind inhibitor locks (C(--ignore-inhibitors)).
    type: bool
    default: false
  fail_on_refusal:
    description: Fail the task when the plan would not proceed (a check failed).
    type: bool
    default: false
notes:
  - Needs kreboot on the host and root (the plan reads the boot loader, the mount table and sessions).
  - Check mode is supported (the module changes nothing in any mode).
seealso:
  - module: kreboot.kexec.kreboot_reboot
author:
  - kreboot contributors
'''

EXAMPLES = r'''
- name: What would a kexec reboot boot?
  kreboot.kexec.kreboot_plan:
  register: plan

- name: Show the release and the steps
  ansible.builtin.debug:
    msg: "{{ plan.release }} via {{ plan.actions | join(', ') }}; proceeds: {{ plan.would_proceed }}"

- name: Plan the 6.12 entry and fail when a check fails
  kreboot.kexec.kreboot_plan:
    entry: gnulinux-6.12.117+deb12-cloud-amd64-advanced-0075ce0c-c6ef-41e3-96b7-a47752cf5cdc
    fail_on_refusal: true
'''

RETURN = r'''
release:
  description: The target kernel's release (absent when its image could not be read).
  returned: always
  type: str
  sample: 6.1.0-57-cloud-amd64
kernel:
  description: The target kernel image, as the host sees it.
  returned: always
  type: str
  sample: /boot/vmlinuz-6.1.0-57-cloud-amd64
command_line:
  description: The command line the new kernel gets.
  returned: always
  type: str
entry:
  description: Where the target came from (kind, id, title, file, rule); null without a target.
  returned: always
  type: dict
steps:
  description: The plan's steps, each a dict with C(action) and its fields.
  returned: always
  type: list
  elements: dict
actions:
  description: The steps' actions in order.
  returned: always
  type: list
  elements: str
  sample: [load, isolate, unmount, moveJournal, remountReadOnly, sync, exec]
checks:
  description: Every preflight check (id, status pass/warn/fail, message).
  returned: always
  type: list
  elements: dict
failing_checks:
  description: The checks with status fail.
  returned: always
  type: list
  elements: dict
would_proceed:
  description: True when a real run with these options would go ahead (plan ok and exit code 0).
  returned: always
  type: bool
exit_code:
  description: The dry run's exit code (0, or 65/69/75/77 for the refusal a real run would make).
  returned: always
  type: int
exit_meaning:
  description: What the exit code means.
  returned: always
  type: str
plan:
  description: The whole plan JSON as kreboot printed it.
  returned: always
  type: dict
'''

import json

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.kreboot.kexec.plugins.module_utils.kreboot import (
    TARGET_ARGUMENT_SPEC, meaning, plan_facts, target_options)
from ansible_collections.kreboot.kexec.plugins.module_utils.plan_schema import SCHEMA_VERSION, plan_errors


def main():
    argument_spec = dict(TARGET_ARGUMENT_SPEC, fail_on_refusal=dict(type='bool', default=False))
    module = AnsibleModule(argument_spec=argument_spec, supports_check_mode=True,
                           mutually_exclusive=[['entry', 'kernel'], ['append', 'command_line', 'reuse_cmdline']])
    kreboot = module.get_bin_path(module.params['kreboot_path'], required=True,
                                  opt_dirs=['/usr/local/sbin', '/usr/local/bin', '/usr/sbin'])
    command = [kreboot, '--dry-run', '--json'] + target_options(module.params)
    rc, stdout, stderr = module.run_command(command)
    try:
        plan = json.loads(stdout)
    except ValueError:
        module.fail_json(msg='kreboot --dry-run exited %d (%s) without a JSON plan: %s'
                         % (rc, meaning(rc), (stderr or stdout).strip()[-500:]), rc=rc, cmd=command)
    if not isinstance(plan, dict) or plan.get('schemaVersion') != SCHEMA_VERSION:
        version = plan.get('schemaVersion') if isinstance(plan, dict) else None
        module.fail_json(msg='kreboot printed a plan with schemaVersion %r; this collection knows %d: upgrade it'
                         % (version, SCHEMA_VERSION), rc=rc, plan=plan)
    errors = plan_errors(plan)
    if errors:
        module.fail_json(msg='kreboot\'s plan does not match plan-v1.schema.json: %s' % '; '.join(errors[:5]),
                         schema_errors=errors, rc=rc, plan=plan)
    facts = plan_facts(plan, rc)
    result = dict(facts, changed=False, plan=plan, cmd=command, ansible_facts=dict(kreboot_plan=facts))
    if module.params['fail_on_refusal'] and not facts['would_proceed']:
        reasons = '; '.join('%s: %s' % (c.get('id'), c.get('message')) for c in facts['failing_checks'])
        module.fail_json(msg='kreboot would not reboot (exit %d, %s): %s' % (rc, meaning(rc), reasons or stderr.strip()),
                         **result)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
