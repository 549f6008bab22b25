# shellcheck shell=bash
# frr_bgp.sh: eBGP helpers for lab sites running FRR (source after lab.sh). The BGP steering examples
# in deploy/frr/ are the configs under test, so lab_bgp_conf prints them (with the site's AS, peer and
# router-id substituted) instead of a lab-only copy that could drift from what operators install.
#   lab_bgp_conf SITE ASN PEER_ADDR PEER_ASN MODE [EXTRA]   print a frr.conf for SITE; MODE is
#       tag        deploy/frr/bgpd-tag.conf
#       route-map  deploy/frr/bgpd-route-map.conf
#       plain      a bare eBGP peer (accepts and shows what it gets; no policy, connect retry 1 s)
#     EXTRA (text, may hold newlines) is appended as is, after the config.
#   lab_bgp_wait_established SITE PEER_ADDR [SECONDS]   wait (default 20 s) for the session to be up
#   lab_bgp_route SITE PREFIX   print SITE's `show bgp ipv4|ipv6 unicast PREFIX json` ({} when absent)
#   lab_bgp_route_is SITE PREFIX JQ   true when `jq -e JQ` holds on lab_bgp_route SITE PREFIX
#   lab_bgp_restart SITE CONF   restart SITE's bgpd on CONF (staticd and its routes stay) and re-apply it

LAB_BGP_EXAMPLES=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../deploy/frr" && pwd)

# _lab_bgp_router_id ASN: a router-id derived from the ASN (10.255.x.y), unique per ASN in a lab run.
_lab_bgp_router_id() { printf '10.255.%d.%d\n' $((($1 >> 8) & 255)) $(($1 & 255)); }

lab_bgp_conf() {
  local site=${1:?lab_bgp_conf SITE ASN PEER_ADDR PEER_ASN MODE [EXTRA]} asn=${2:?} peer=${3:?} peer_asn=${4:?}
  local mode=${5:?} extra=${6:-} file rid
  [[ $asn =~ ^[0-9]+$ && $peer_asn =~ ^[0-9]+$ ]] || lab_fail "lab_bgp_conf: ASNs must be numbers ($asn, $peer_asn)"
  rid=$(_lab_bgp_router_id "$asn")
  case $mode in
    tag | route-map)
      file=$LAB_BGP_EXAMPLES/bgpd-$mode.conf
      [[ -r $file ]] || lab_fail "lab_bgp_conf: cannot read $file"
      # Only the lines that name the site, the AS, the neighbor or the router-id change; the policy
      # lines are used exactly as shipped.
      sed -e "s/^hostname .*/hostname $site/" \
        -e "s/^router bgp 65001\$/router bgp $asn/" \
        -e "s/^ bgp router-id .*/ bgp router-id $rid/" \
        -e "s/neighbor 192\\.0\\.2\\.2 /neighbor $peer /" \
        -e "s/ remote-as 65002\$/ remote-as $peer_asn/" "$file"
      ;;
    plain)
      cat <<EOF
frr defaults traditional
hostname $site
!
router bgp $asn
 bgp router-id $rid
 no bgp ebgp-requires-policy
 neighbor $peer remote-as $peer_asn
 neighbor $peer timers connect 1
exit
!
EOF
      ;;
    *) lab_fail "lab_bgp_conf: MODE '$mode' is not tag, route-map or plain" ;;
  esac
  [[ -z $extra ]] || printf '%s\n' "$extra"
}

_lab_bgp_established() {
  local state
  state=$(lab_vtysh "$1" -c "show bgp neighbors $2 json" 2>/dev/null | jq -r --arg p "$2" '.[$p].bgpState // empty') &&
    [[ $state == Established ]]
}

lab_bgp_wait_established() {
  local site=${1:?lab_bgp_wait_established SITE PEER_ADDR [SECONDS]} peer=${2:?} secs=${3:-20}
  lab_wait "$secs" _lab_bgp_established "$site" "$peer" ||
    lab_fail "lab_bgp_wait_established: $site's session to $peer not Established after ${secs}s" \
      "($(lab_vtysh "$site" -c "show bgp neighbors $peer json" 2>/dev/null | jq -c --arg p "$peer" '.[$p] | {bgpState, lastResetDueTo}' 2>/dev/null))"
}

lab_bgp_route() {
  local site=${1:?lab_bgp_route SITE PREFIX} prefix=${2:?lab_bgp_route SITE PREFIX} afi=ipv4
  [[ $prefix != *:* ]] || afi=ipv6
  lab_vtysh "$site" -c "show bgp $afi unicast $prefix json"
}

lab_bgp_route_is() { lab_bgp_route "$1" "$2" | jq -e "$3" >/dev/null 2>&1; }

lab_bgp_restart() {
  local site=${1:?lab_bgp_restart SITE CONF} conf=${2:?lab_bgp_restart SITE CONF}
  lab_stop "$site" bgpd
  cat -- "$conf" >"$LAB_DIR/sites/$site/etc/frr.conf"
  lab_frr_start "$site" bgpd
  lab_wait 5 lab_vtysh "$site" -c 'show bgp summary' >/dev/null 2>&1 ||
    lab_fail "lab_bgp_restart: bgpd at $site not answering after restart"
  lab_vtysh "$site" -b >>"$(lab_log "$site" vtysh)" 2>&1 || lab_fail "lab_bgp_restart: vtysh -b at $site rejected $conf"
}
