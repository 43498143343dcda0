# SPDX-License-Identifier: GPL-2.0-or-later
# iommu_map: gdb commands that show where QEMU's guest memory and
# passed-through BARs live (GPA, HVA), loaded by gdb/iommu-map-gdb.py.
