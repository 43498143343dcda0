# SPDX-License-Identifier: GPL-2.0-or-later
"""gdb commands that show where QEMU's guest memory and passed-through
BARs live (GPA, HVA); gdb/iommu-map-gdb.py loads them."""
