/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KL_MULTI_HELPER_H
#define KL_MULTI_HELPER_H

int kl_multi_helper(int x);

#endif
