/* peft.c -- see peft.h */
#include "config/peft.h"

#include <string.h>

void peft_default(peft_config *c, int n_layers)
{
    memset(c, 0, sizeof *c);
    c->lora_alpha = 8.0f;
    c->prefix_mid = PEFT_PREFIX_MID;
    c->n_layers = n_layers;
    for (int l = 0; l < n_layers && l < PEFT_MAX_LAYERS; l++)
        c->layer_on[l] = 1;
}

int peft_active_layers(const peft_config *c)
{
    int n = 0;
    for (int l = 0; l < c->n_layers && l < PEFT_MAX_LAYERS; l++)
        n += c->layer_on[l] != 0;
    return n;
}

int peft_any_module(const peft_config *c)
{
    return c->sa > 0 || c->pa > 0 || c->pt > 0 || c->lora > 0;
}

long long peft_params_added(int hidden, const peft_config *c)
{
    long long H = hidden, per = 0;
    if (c->sa > 0)
        per += 2 * H * c->sa + c->sa + H;
    if (c->pa > 0)
        per += 2 * H * c->pa + c->pa + H;
    if (c->lora > 0)
        per += 4 * H * c->lora;
    if (c->pt > 0)
        per += 2 * H * c->pt;
    return per * peft_active_layers(c);
}

long long peft_params_trainable(int hidden, const peft_config *c)
{
    long long H = hidden, La = peft_active_layers(c);
    long long n = peft_params_added(hidden, c);
    if (c->pt > 0 && La > 0) {
        long long mid = c->prefix_mid;
        n -= 2 * H * c->pt * La;                 /* folded keys/values are not trained directly */
        n += (long long)c->pt * H;               /* embedding */
        n += H * mid + mid;                      /* Linear(H, mid) */
        n += mid * 2 * H * La + 2 * H * La;      /* Linear(mid, 2*H*La) */
    }
    return n;
}

long long bert_base_param_count(int vocab, int hidden, int layers, int intermediate,
                                int max_position, int type_vocab)
{
    long long H = hidden, I = intermediate;
    long long emb = ((long long)vocab + max_position + type_vocab) * H + 2 * H;
    long long layer = 4 * (H * H + H) + 2 * (2 * H) + (H * I + I) + (I * H + H);
    long long pooler = H * H + H;
    return emb + layers * layer + pooler;
}
