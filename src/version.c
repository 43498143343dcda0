// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * version.c - the version of the build: the Makefile takes it from `git
 * describe`, else from the VERSION file a tarball carries, else "unknown".
 * Only this file is rebuilt when it changes.
 */
#include "iommu-map.h"

#ifndef IM_VERSION
#define IM_VERSION "unknown"
#endif

const char im_version[] = IM_VERSION;
